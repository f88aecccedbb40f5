"""The REST API: reading the store, writing with scoped tokens or a session, the audit
log, rate limits; its routes (`routes`, `opening`) are put together with the dashboard's
pages by `servtrade.server`."""
