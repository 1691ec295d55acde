/** Cash collected on a cash-on-delivery order, as the courier types it. */
import { minorDigits, type Money } from '../shared/i18n';

/** A typed amount ("129", "129.5", "129,50") in the currency's minor units; null when it is not an amount. */
export function parseAmount(text: string, currency: string): Money | null {
  const cleaned = text
    .trim()
    // Arabic-Indic and Persian digits, as an Arabic keyboard types them, and the Arabic decimal separator.
    .replace(/[\u0660-\u0669]/g, (digit) => String(digit.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (digit) => String(digit.charCodeAt(0) - 0x06f0))
    .replace(/[\s\u00a0]/g, '')
    .replace(/[,\u066b]/, '.');
  if (!/^\d+(\.\d+)?$/.test(cleaned)) return null;
  const digits = minorDigits(currency);
  const [whole, fraction = ''] = cleaned.split('.') as [string, string?];
  if (fraction.length > digits) return null;
  return { value: Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0'), currency };
}

/** An amount as the cash field shows it to start with: "129.00" for `{ value: 12900, currency: 'HKD' }`. */
export function amountText(money: Money): string {
  const digits = minorDigits(money.currency);
  return (money.value / 10 ** digits).toFixed(digits);
}
