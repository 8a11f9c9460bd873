import { useState } from 'react';

import { ErrorMessage, Field, Form, useAction } from '../components';
import { useSession } from '../session';

export function SignInPage() {
  const { signIn, notice } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  return (
    <div className="sign-in">
      <h1 tabIndex={-1}>Sign in to Bulwark</h1>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <Form label="Sign in" onSubmit={() => void run(() => signIn(email.trim(), password))}>
        <Field label="Email">
          {(p) => (
            <input
              {...p}
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Field label="Password">
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </Form>
      <ErrorMessage error={error} title="Signing in failed." />
      <p className="muted">
        No password yet? An administrator of your organization sets one, or the operator runs{' '}
        <code>bulwark admin set-password</code>. Scripts use API tokens instead.
      </p>
    </div>
  );
}
