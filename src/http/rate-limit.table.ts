export interface RateLimitTable {
  id: string;
  /** e.g. `signin:account:adele@contoso.example` or `signin:address:127.0.0.1` */
  bucket: string;
  at: string;
}
