/** The package version, reported by `info().libraryVersion`; a test keeps it equal to package.json's. */
export const LIBRARY_VERSION = '0.1.0';
