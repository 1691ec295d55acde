import jwt from 'jsonwebtoken';

/**
 * Signs a JWT with the claim layout of src/auth/token-service.ts (tid, role, sub|oid, iat, exp, iss): expired,
 * forged or otherwise hand-made tokens, and tokens minted without spending a business's request budget.
 */
export function craftJwt(
  claims: { tid: string; role: string; sub?: string; oid?: string; iat: number; exp: number },
  secret: string,
  issuer = 'order-tracking',
): string {
  return jwt.sign(claims, secret, { algorithm: 'HS256', issuer });
}
