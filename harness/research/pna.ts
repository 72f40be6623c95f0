// `cors-lab research pna`: Private/Local Network Access (filled in below).
export interface PnaStudy {
  study: 'pna';
}
