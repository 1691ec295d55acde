import { SignatureError, type Verifier } from './provider-event';

export const verifyBraintree: Verifier<'braintree'> = () => { throw new SignatureError('not verified'); };
