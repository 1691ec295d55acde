import type { Branding } from './wire';

/** The shop's look in the portal; null parts: the portal's own neutral look. */
export interface Brand {
  name: string | null;
  /** The logo's link, as a path on this server (the page's policy takes images from its own server only). */
  logo: string | null;
  /** `#rrggbb`. */
  color: string | null;
}

export const NEUTRAL: Brand = { name: null, logo: null, color: null };

const COLOR = /^#[0-9a-f]{6}$/i;

/**
 * The shop's branding (`GET /v1/tenants/<slug>/branding`, no token). Anything but a usable answer (no such shop, no
 * branding set, the server unreachable) gives the neutral look: a sign-in page is never blocked by its decoration.
 */
export async function readBranding(slug: string): Promise<Brand> {
  try {
    const response = await fetch(`/v1/tenants/${encodeURIComponent(slug)}/branding`, { cache: 'no-store' });
    if (!response.ok) return NEUTRAL;
    return brandOf((await response.json()) as Branding);
  } catch {
    return NEUTRAL;
  }
}

export function brandOf(branding: Branding): Brand {
  const logo = branding.logo_url ?? (typeof branding.logo === 'object' && branding.logo ? branding.logo.url : null);
  const name = typeof branding.display_name === 'string' && branding.display_name.trim() ? branding.display_name.trim() : null;
  const color = typeof branding.primary_color === 'string' && COLOR.test(branding.primary_color) ? branding.primary_color : null;
  return { name, logo: typeof logo === 'string' && logo ? onThisServer(logo) : null, color };
}

/**
 * Gives the page the shop's colour (CSS custom properties set through the CSSOM, which the page's policy allows where
 * it forbids inline styles), with the text colour that reads on it.
 */
export function applyBrand(brand: Brand, root: HTMLElement = document.documentElement): void {
  if (brand.color) {
    root.style.setProperty('--brand', brand.color);
    root.style.setProperty('--brand-ink', inkOn(brand.color));
  } else {
    root.style.removeProperty('--brand');
    root.style.removeProperty('--brand-ink');
  }
  const theme = document.querySelector<HTMLMetaElement>('meta[name="theme-color"]');
  if (theme && brand.color) theme.content = brand.color;
}

/** Dark or white text, whichever contrasts more with `color` (WCAG relative luminance). */
export function inkOn(color: string): string {
  const channel = (offset: number): number => {
    const value = parseInt(color.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  // White on it gives (1.05)/(L+0.05); near-black (#0b1620, L≈0.008) gives (L+0.05)/0.058: take the larger.
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.058 ? '#ffffff' : '#0b1620';
}

/** A link as a path on this server: links are made with `PUBLIC_URL`, which need not be where the page was opened. */
export function onThisServer(url: string): string {
  const link = new URL(url, window.location.href);
  return link.pathname + link.search;
}
