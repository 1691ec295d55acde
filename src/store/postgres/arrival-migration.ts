/** Schema for Arrival (API.md): ETA and the arriving claim. Filled in by the arrival work; append-only once shipped. */
export const POSTGRES_ARRIVAL_MIGRATION = `
  SELECT 1;
`;
