/**
 * A tenant's branding (API.md "Branding and message templates"): the name, logo and colour its customers see on the
 * tracking page, the portal, the courier app, HTML emails and labels, and how they reach its support.
 */
export interface Branding {
  display_name: string;
  /** An attachment id (an image the business uploaded); null: no logo. */
  logo: string | null;
  /** `#rrggbb`, lower case. */
  primary_color: string;
  support_email: string | null;
  support_phone: string | null;
}

// A blue that keeps white text legible on it (contrast 5.2:1), for tenants that have not picked a colour.
export const DEFAULT_PRIMARY_COLOR = '#1f5fbf';

/** What a tenant that has not set its branding shows: its name, no logo, the default colour. */
export function defaultBranding(tenantName: string): Branding {
  return { display_name: tenantName, logo: null, primary_color: DEFAULT_PRIMARY_COLOR, support_email: null, support_phone: null };
}

/**
 * The text colour that reads on `background` (`#rrggbb`): white on dark colours, near-black on light ones, by WCAG
 * relative luminance (whichever of the two contrasts more).
 */
export function textColorOn(background: string): '#ffffff' | '#111111' {
  const channel = (offset: number): number => {
    const value = parseInt(background.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  // Contrast against white is 1.05 / (L + 0.05); against #111111 (L ≈ 0.0056) it is (L + 0.05) / 0.0556.
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.0556 ? '#ffffff' : '#111111';
}
