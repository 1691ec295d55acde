/**
 * Reading a label's code with the camera. This is a stand-in until the camera reader lands: it says the camera
 * cannot be used, and the app keeps the typed code.
 */

/** A running camera reader. */
export interface Scanner {
  stop(): void;
}

/** Starts the camera in `host` and calls `onCode` with each code read. */
export async function openScanner(options: { host: HTMLElement; onCode: (text: string) => void }): Promise<Scanner> {
  void options;
  const error = new Error('the camera reader is not available in this build');
  error.name = 'NotSupportedError';
  throw error;
}
