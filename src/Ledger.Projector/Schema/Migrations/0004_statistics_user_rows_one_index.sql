-- stats_daily_user keeps one index, its primary key (day, user_id, asset). The index on (user_id, day)
-- cost every new row a second text-keyed insertion (about a third of the statement's server time,
-- docs/benchmarks.md); one user's days are read through the primary key instead, one probe per day
-- of the range (GET /v1/stats/daily/users/{userId}, and docs/analytics.md for analysts).
drop index stats_daily_user_by_user;
