import { SignatureError, type Verifier } from './provider-event';

export const verifySquare: Verifier<'square'> = () => { throw new SignatureError('not verified'); };
