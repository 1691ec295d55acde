import { useEffect, useState } from 'preact/hooks';

/** The courier's company as the app shows it (API.md "Branding and message templates"): its name and logo. */
export interface Shop {
  display_name: string;
  logo_url: string | null;
}

const STORAGE_KEY = 'courier.shop';

function kept(): Shop | null {
  try {
    const value = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Shop | null;
    return value && typeof value.display_name === 'string' ? value : null;
  } catch {
    return null;
  }
}

/**
 * The company's branding, read once a session with the courier's token and kept on the phone, so the app shows it
 * also when it opens with no network. Null until known (the app's own mark shows then).
 */
export function useShop(token: string): Shop | null {
  const [shop, setShop] = useState<Shop | null>(kept);
  useEffect(() => {
    let current = true;
    fetch('/v1/tenants/me/branding', { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' })
      .then((response) => (response.ok ? (response.json() as Promise<Shop>) : null))
      .then((read) => {
        if (!current || !read) return;
        const value: Shop = { display_name: read.display_name, logo_url: read.logo_url };
        setShop(value);
        try {
          localStorage.setItem(STORAGE_KEY, JSON.stringify(value));
        } catch {
          // storage full or disabled: shown this time only
        }
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [token]);
  return shop;
}
