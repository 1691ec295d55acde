/** Hong Kong for the demo: two depots and the districts their couriers deliver to, each on its own side of the harbour. */

export interface Place {
  name: string;
  lat: number;
  lng: number;
}

/** The two sides of the harbour: a route from one to the other would cross the water. */
type Side = 'Kowloon' | 'Hong Kong Island';

export interface Depot extends Place {
  /** Where this depot's couriers deliver: the districts on its side of the harbour, so routes stay on land. */
  districts: Place[];
}

const DISTRICTS: Array<Place & { side: Side }> = [
  { name: 'Kwun Tong', lat: 22.3123, lng: 114.2257, side: 'Kowloon' },
  { name: 'Mong Kok', lat: 22.3193, lng: 114.1694, side: 'Kowloon' },
  { name: 'Sham Shui Po', lat: 22.3307, lng: 114.1622, side: 'Kowloon' },
  { name: 'Kowloon Tong', lat: 22.3367, lng: 114.176, side: 'Kowloon' },
  { name: 'Hung Hom', lat: 22.303, lng: 114.182, side: 'Kowloon' },
  { name: 'Tsim Sha Tsui', lat: 22.2976, lng: 114.1722, side: 'Kowloon' },
  { name: 'Wong Tai Sin', lat: 22.3418, lng: 114.1939, side: 'Kowloon' },
  { name: 'San Po Kong', lat: 22.3359, lng: 114.1966, side: 'Kowloon' },
  { name: 'Central', lat: 22.2819, lng: 114.1583, side: 'Hong Kong Island' },
  { name: 'Wan Chai', lat: 22.2776, lng: 114.1722, side: 'Hong Kong Island' },
  { name: 'Causeway Bay', lat: 22.2804, lng: 114.184, side: 'Hong Kong Island' },
  { name: 'North Point', lat: 22.291, lng: 114.2, side: 'Hong Kong Island' },
  { name: 'Tai Koo', lat: 22.285, lng: 114.217, side: 'Hong Kong Island' },
  { name: 'Shau Kei Wan', lat: 22.2794, lng: 114.2285, side: 'Hong Kong Island' },
  { name: 'Happy Valley', lat: 22.2697, lng: 114.1836, side: 'Hong Kong Island' },
];

const DEPOT_SITES: Array<Place & { side: Side }> = [
  { name: 'Kowloon Bay depot', lat: 22.3237, lng: 114.2141, side: 'Kowloon' },
  { name: 'Quarry Bay depot', lat: 22.2877, lng: 114.2137, side: 'Hong Kong Island' },
];

export const DEPOTS: Depot[] = DEPOT_SITES.map(({ side, ...depot }) => ({
  ...depot,
  districts: DISTRICTS.filter((district) => district.side === side),
}));

export const STREETS = [
  'Nathan Road', 'Queen\'s Road Central', 'Hennessy Road', 'King\'s Road', 'Des Voeux Road', 'Argyle Street',
  'Prince Edward Road', 'Lockhart Road', 'Kwun Tong Road', 'Waterloo Road', 'Canton Road', 'Electric Road',
];

export const CUSTOMERS = [
  'Chan Tai Man', 'Wong Siu Ming', 'Lee Ka Yan', 'Cheung Wing Sze', 'Lau Chi Keung', 'Ng Mei Ling', 'Ho Ka Lok',
  'Leung Wai Yin', 'Tsang Hoi Ting', 'Yip Chun Kit', 'Kwok Suet Ying', 'Fung Ming Hei', 'Tam Pui Shan', 'Mak Tsz Hin',
];
