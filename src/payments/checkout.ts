import { SignatureError, type Verifier } from './provider-event';

export const verifyCheckout: Verifier<'checkout'> = () => { throw new SignatureError('not verified'); };
