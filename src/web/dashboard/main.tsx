/** The staff dashboard (`GET /dashboard`): entry point of its bundle. */
import { render } from 'preact';
import { pageSettings } from '../shared/settings';
import { App } from './app';

render(<App settings={pageSettings()} />, document.getElementById('app')!);
