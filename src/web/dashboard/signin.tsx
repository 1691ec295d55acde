import { useState } from 'preact/hooks';
import type { Capabilities } from './capabilities';
import { signIn, SignInError, type Session } from './session';

interface SignInProps {
  capabilities: Capabilities;
  /** Why the previous session ended, if it did (shown above the form). */
  notice: string | null;
  onSignedIn: (session: Session) => void;
}

/** The sign-in card: a tenant API key or a staff token, checked with the API before anything is shown. */
export function SignIn({ capabilities, notice, onSignedIn }: SignInProps) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(token, capabilities));
    } catch (failure) {
      setError(failure instanceof SignInError ? failure.message : 'Signing in failed. Try again.');
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <form class="signin-card" onSubmit={submit} noValidate>
        <div class="brand brand-large">
          <span class="brand-mark" aria-hidden="true" />
          <span>Order tracking</span>
        </div>
        <h1>Staff dashboard</h1>
        <p class="muted">Sign in with your tenant's API key or a staff token. It is kept in this tab only.</p>
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        <label class="field">
          <span>API key or staff token</span>
          <input
            type="password"
            data-testid="signin-token"
            autocomplete="off"
            spellcheck={false}
            value={token}
            onInput={(event) => setToken(event.currentTarget.value)}
            placeholder="ak_… or eyJ…"
            aria-invalid={error ? 'true' : undefined}
            aria-describedby={error ? 'signin-error' : undefined}
            required
          />
        </label>
        {error && (
          <p id="signin-error" class="form-error" role="alert" data-testid="signin-error">
            {error}
          </p>
        )}
        <button type="submit" class="button primary wide" data-testid="signin-submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
