/**
 * The dashboard in a browser for end-to-end tests: a page signed in with a token, in Hong Kong's time zone and an
 * English locale (so times and money read the same on every machine), on the view a tab leads to.
 */
import { DESK, openPage, type TestPage } from './browser';

export interface DashboardPageOptions {
  /** The node's base URL. */
  url: string;
  /** A tenant API key or a staff token. */
  token: string;
  /** The view to open from its tab (`tab-<view>`), e.g. `settings`. */
  view?: string;
  viewport?: { width: number; height: number };
}

export async function openDashboard({ url, token, view, viewport = DESK }: DashboardPageOptions): Promise<TestPage> {
  const opened = await openPage(viewport);
  const devtools = await opened.context.newCDPSession(opened.page);
  await devtools.send('Emulation.setTimezoneOverride', { timezoneId: 'Asia/Hong_Kong' });
  await devtools.send('Emulation.setLocaleOverride', { locale: 'en-HK' });
  await opened.page.goto(`${url}/dashboard`);
  await opened.page.getByTestId('signin-token').fill(token);
  await opened.page.getByTestId('signin-submit').click();
  await opened.page.getByTestId('tab-orders').waitFor();
  if (view) {
    await opened.page.getByTestId(`tab-${view}`).click();
    // The tab is a link: its click moves the address, a navigation within the page that Playwright reports (no
    // polling in the page, which waits on animation frames).
    await opened.page.waitForURL((address) => address.hash === `#/${view}`, { waitUntil: 'commit' }).catch((error: unknown) => {
      throw new Error(`the ${view} tab was clicked, and the address stayed ${opened.page.url()}`, { cause: error });
    });
  }
  return opened;
}
