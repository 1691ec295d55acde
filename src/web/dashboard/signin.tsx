import { useState } from 'preact/hooks';
import { useAction } from './parts';
import { signIn, SignInError, type Session } from './session';

interface SignInProps {
  /** Why the previous session ended, if it did (shown above the form). */
  notice: string | null;
  onSignedIn: (session: Session) => void;
}

function refusalWords(failure: unknown): string {
  return failure instanceof SignInError ? failure.message : 'Signing in failed. Try again.';
}

/** The sign-in card: a tenant API key or a staff token, checked with the API before anything is shown. */
export function SignIn({ notice, onSignedIn }: SignInProps) {
  const [token, setToken] = useState('');
  const { busy, outcome, run } = useAction(refusalWords);
  const error = outcome?.text ?? null;

  const submit = (event: Event): void => {
    event.preventDefault();
    void run(async () => onSignedIn(await signIn(token)));
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
