import { SignatureError, type Verifier } from './provider-event';

export const verifyRazorpay: Verifier<'razorpay'> = () => { throw new SignatureError('not verified'); };
