-- A resubmitted transaction is answered with its logged decision and the alert it raised: find that alert by
-- the transaction's place in the log.
CREATE INDEX alerts_transaction ON alerts (tenant, tx_seq);
