/** The prefix of the in-host runner's report lines, which the end-to-end driver picks out of the page's console. */
export const REPORT_PREFIX = 'in-host:';
