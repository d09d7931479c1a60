/** The server's version, for --version, ID and the logs. */
export const VERSION = "0.1.0";
