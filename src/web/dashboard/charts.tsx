/** The reports' charts, drawn as SVG by hand: a couple of shapes need no chart library. */
import { formatPercent } from './format';

const dayLabel = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
const dayLong = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });

function utcDay(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

/** The smallest "round" number (1, 2 or 5 × 10ⁿ) at or above `value`, so axis ticks read well. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((candidate) => candidate * magnitude >= value)!;
  return step * magnitude;
}

interface Day {
  date: string;
  placed: number;
  delivered: number;
}

const WIDTH = 720;
const HEIGHT = 240;
const MARGIN = { top: 14, right: 8, bottom: 30, left: 40 };
/** At most this many day labels under the bars; the rest stay in the hover titles. */
const MAX_LABELS = 10;

/** Orders placed and delivered per day, as paired bars. */
export function DailyBars({ days }: { days: Day[] }) {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const highest = Math.max(1, ...days.map((day) => Math.max(day.placed, day.delivered)));
  // About four whole-number steps up the axis.
  const tickStep = Math.max(1, niceCeiling(highest / 4));
  const top = tickStep * Math.ceil(highest / tickStep);
  const ticks = Array.from({ length: top / tickStep + 1 }, (_, index) => index * tickStep);
  const step = plotWidth / Math.max(1, days.length);
  const bar = Math.min(22, step * 0.36);
  const every = Math.max(1, Math.ceil(days.length / MAX_LABELS));
  const y = (value: number): number => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const totalPlaced = days.reduce((sum, day) => sum + day.placed, 0);
  const totalDelivered = days.reduce((sum, day) => sum + day.delivered, 0);

  return (
    <figure class="chart">
      <figcaption class="legend">
        <span class="key key-placed">Placed</span>
        <span class="key key-delivered">Delivered</span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        class="chart-svg"
        role="img"
        aria-label={`Orders per day over ${days.length} days: ${totalPlaced} placed, ${totalDelivered} delivered.`}
        data-testid="chart-by-day"
      >
        {ticks.map((tick) => (
          <g key={tick} class="tick">
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(tick)} y2={y(tick)} class={tick === 0 ? 'axis' : 'grid'} />
            <text x={MARGIN.left - 8} y={y(tick)} dy="0.32em" text-anchor="end">
              {tick}
            </text>
          </g>
        ))}
        {days.map((day, index) => {
          const center = MARGIN.left + step * index + step / 2;
          return (
            <g key={day.date} class="day" data-date={day.date}>
              <title>{`${dayLong.format(utcDay(day.date))}: ${day.placed} placed, ${day.delivered} delivered`}</title>
              <rect class="hover-band" x={center - step / 2} y={MARGIN.top} width={step} height={plotHeight} />
              <rect class="bar bar-placed" x={center - bar - 1} y={y(day.placed)} width={bar} height={Math.max(0, y(0) - y(day.placed))} rx="2" />
              <rect class="bar bar-delivered" x={center + 1} y={y(day.delivered)} width={bar} height={Math.max(0, y(0) - y(day.delivered))} rx="2" />
              {(days.length - 1 - index) % every === 0 && (
                <text x={center} y={HEIGHT - MARGIN.bottom + 18} text-anchor="middle" class="label">
                  {dayLabel.format(utcDay(day.date))}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

const RING_RADIUS = 52;
const RING = 2 * Math.PI * RING_RADIUS;

/** The on-time rate as a ring: the filled share is delivered on or before the promised time. */
export function RateRing({ rate, caption }: { rate: number | null; caption: string }) {
  const filled = rate === null ? 0 : Math.max(0, Math.min(1, rate)) * RING;
  const tone = rate === null ? 'none' : rate >= 0.95 ? 'good' : rate >= 0.8 ? 'fair' : 'poor';
  return (
    <figure class={`ring ring-${tone}`}>
      <svg viewBox="0 0 140 140" class="ring-svg" role="img" aria-label={`On-time rate ${formatPercent(rate)}`} data-testid="chart-on-time">
        <circle cx="70" cy="70" r={RING_RADIUS} class="ring-track" />
        {rate !== null && (
          <circle cx="70" cy="70" r={RING_RADIUS} class="ring-fill" stroke-dasharray={`${filled} ${RING - filled}`} transform="rotate(-90 70 70)" />
        )}
        <text x="70" y="68" text-anchor="middle" class="ring-value">
          {rate === null ? '—' : formatPercent(rate)}
        </text>
        <text x="70" y="90" text-anchor="middle" class="ring-label">
          on time
        </text>
      </svg>
      <figcaption class="muted">{caption}</figcaption>
    </figure>
  );
}
