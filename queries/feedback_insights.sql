-- Feedback and delivery insights per tradesperson: how were they rated each week, and how many
-- of their jobs did they complete, complete late or see cancelled?
--
-- WEEKLY_RATINGS answers "how many ratings did each tradesperson get in a week, and what was the
-- average?" once per week, when the week is over: weeks are tumbling 7-day windows aligned to
-- the epoch (so they run Thursday 00:00 UTC to Thursday 00:00 UTC), by the time the customer
-- submitted the feedback. Feedback may arrive up to two days after its week ends (the grace
-- period) and still counts; anything later is dropped. EMIT FINAL gives one row per tradesperson
-- and week, when stream time passes the week's end plus the grace period.
--
-- JOB_DELIVERY answers "how many jobs has each tradesperson completed, how many of those after
-- the job's target end, and how many were cancelled?", updated as each status event arrives.

-- Feedback, keyed by job; the record's timestamp is submitted_at. A feedback may carry only a
-- comment (no rating).
CREATE STREAM FEEDBACK (
    JOB_ID VARCHAR KEY,
    TRADESPERSON_ID VARCHAR,
    CUSTOMER_ID VARCHAR,
    RATING INT,
    COMMENT VARCHAR,
    SUBMITTED_AT BIGINT
) WITH (
    KAFKA_TOPIC = 'feedback',
    VALUE_FORMAT = 'JSON',
    KEY_FORMAT = 'KAFKA',
    PARTITIONS = 6,
    TIMESTAMP = 'SUBMITTED_AT'
);

-- Per tradesperson and week: the number of ratings and their average, rounded to 2 places.
CREATE TABLE WEEKLY_RATINGS WITH (
    KAFKA_TOPIC = 'weekly_ratings',
    PARTITIONS = 6
) AS
SELECT
    TRADESPERSON_ID,
    WINDOWSTART AS WEEK_START,
    WINDOWEND AS WEEK_END,
    COUNT(RATING) AS RATINGS,
    ROUND(AVG(RATING), 2) AS AVG_RATING
FROM FEEDBACK
WINDOW TUMBLING (SIZE 7 DAYS, GRACE PERIOD 2 DAYS)
GROUP BY TRADESPERSON_ID
EMIT FINAL;

-- Job status events, keyed by job; the record's timestamp is status_at.
CREATE STREAM JOB_STATUS (
    JOB_ID VARCHAR KEY,
    TRADESPERSON_ID VARCHAR,
    STATUS VARCHAR,
    STATUS_AT BIGINT,
    JOB_TARGET_END BIGINT
) WITH (
    KAFKA_TOPIC = 'job_status',
    VALUE_FORMAT = 'JSON',
    KEY_FORMAT = 'KAFKA',
    PARTITIONS = 6,
    TIMESTAMP = 'STATUS_AT'
);

-- Per tradesperson, running totals over the jobs that ended: completed, completed late (after
-- the job's target end), the total delay of the late ones in minutes, and cancelled.
CREATE TABLE JOB_DELIVERY WITH (
    KAFKA_TOPIC = 'job_delivery',
    PARTITIONS = 6
) AS
SELECT
    TRADESPERSON_ID,
    SUM(CASE WHEN STATUS = 'COMPLETED' THEN 1 ELSE 0 END) AS JOBS_COMPLETED,
    SUM(CASE WHEN STATUS = 'COMPLETED' AND STATUS_AT > JOB_TARGET_END THEN 1 ELSE 0 END) AS COMPLETED_LATE,
    SUM(CASE WHEN STATUS = 'COMPLETED' AND STATUS_AT > JOB_TARGET_END
             THEN (STATUS_AT - JOB_TARGET_END) / 60000 ELSE CAST(0 AS BIGINT) END) AS LATE_MINUTES,
    SUM(CASE WHEN STATUS = 'CANCELLED' THEN 1 ELSE 0 END) AS JOBS_CANCELLED
FROM JOB_STATUS
WHERE STATUS IN ('COMPLETED', 'CANCELLED')
GROUP BY TRADESPERSON_ID
EMIT CHANGES;
