-- Scheduling integrity: which tradespeople are double-booked, and which jobs are scheduled to
-- start before the job they depend on ends (the painter booked before the wall is built).
-- Both answers are tables that follow the appointments as they are booked, rescheduled and
-- cancelled: a problem appears as a row and disappears (a tombstone) once it is fixed.
--
-- DOUBLE_BOOKINGS: per tradesperson and day, the active (not CANCELLED) appointments that overlap
--   another one of theirs ([start_ts, end_ts) intervals: back-to-back appointments do not
--   overlap). The appointments are gathered per tradesperson and UTC day of their start, so an
--   appointment that runs past midnight is compared with the ones starting on its own day only.
-- DEPENDENCY_VIOLATIONS: per appointment whose job depends on another job, the problem: the
--   other job has no active appointment (DEPENDENCY_NOT_SCHEDULED), or this one starts before
--   the other one ends (STARTS_BEFORE_DEPENDENCY_ENDS). ksqlDB rejects a self join, so the
--   appointments are joined through two tables derived from them (a foreign-key join);
--   DEPENDENCY_CHECKS holds every dependent appointment with its problem or NULL.

-- One appointment per job, its latest state (a compacted topic).
CREATE TABLE APPOINTMENTS (
    JOB_ID VARCHAR PRIMARY KEY,
    TRADESPERSON_ID VARCHAR,
    START_TS BIGINT,
    END_TS BIGINT,
    STATUS VARCHAR,
    DEPENDS_ON VARCHAR,
    UPDATED_AT BIGINT
) WITH (
    KAFKA_TOPIC = 'appointments',
    VALUE_FORMAT = 'JSON',
    KEY_FORMAT = 'KAFKA',
    PARTITIONS = 6
);

-- Per tradesperson and day, the active appointments. A table aggregation: a reschedule takes the
-- appointment out of its old day and puts it in its new one, a cancellation takes it out.
CREATE TABLE TRADESPERSON_DAY_BOOKINGS WITH (
    KAFKA_TOPIC = 'tradesperson_day_bookings',
    KEY_FORMAT = 'JSON',
    PARTITIONS = 6
) AS
SELECT
    TRADESPERSON_ID,
    TIMESTAMPTOSTRING(START_TS, 'yyyy-MM-dd', 'UTC') AS DAY,
    COLLECT_LIST(STRUCT(JOB_ID := JOB_ID, START_TS := START_TS, END_TS := END_TS)) AS BOOKINGS
FROM APPOINTMENTS
WHERE STATUS <> 'CANCELLED'
GROUP BY TRADESPERSON_ID, TIMESTAMPTOSTRING(START_TS, 'yyyy-MM-dd', 'UTC')
EMIT CHANGES;

-- The double bookings: each appointment of the day that overlaps another one.
CREATE TABLE DOUBLE_BOOKINGS WITH (
    KAFKA_TOPIC = 'double_bookings',
    PARTITIONS = 6
) AS
SELECT
    TRADESPERSON_ID,
    DAY,
    FILTER(BOOKINGS, A => ARRAY_LENGTH(FILTER(BOOKINGS, B =>
        B->JOB_ID <> A->JOB_ID AND B->START_TS < A->END_TS AND A->START_TS < B->END_TS)) > 0) AS OVERLAPPING
FROM TRADESPERSON_DAY_BOOKINGS
WHERE ARRAY_LENGTH(FILTER(BOOKINGS, A => ARRAY_LENGTH(FILTER(BOOKINGS, B =>
        B->JOB_ID <> A->JOB_ID AND B->START_TS < A->END_TS AND A->START_TS < B->END_TS)) > 0)) > 0
EMIT CHANGES;

-- The active appointments of jobs that depend on another job.
CREATE TABLE DEPENDENT_APPOINTMENTS WITH (
    KAFKA_TOPIC = 'dependent_appointments',
    PARTITIONS = 6
) AS
SELECT JOB_ID, TRADESPERSON_ID, START_TS, DEPENDS_ON
FROM APPOINTMENTS
WHERE DEPENDS_ON IS NOT NULL AND STATUS <> 'CANCELLED'
EMIT CHANGES;

-- When each job's active appointment ends.
CREATE TABLE SCHEDULED_ENDS WITH (
    KAFKA_TOPIC = 'scheduled_ends',
    PARTITIONS = 6
) AS
SELECT JOB_ID, END_TS
FROM APPOINTMENTS
WHERE STATUS <> 'CANCELLED'
EMIT CHANGES;

-- Every dependent appointment with its dependency's end and the problem, if any (NULL when the
-- order is right): a foreign-key join from DEPENDS_ON to the other job's appointment, LEFT so that
-- a dependency with no active appointment shows up too.
CREATE TABLE DEPENDENCY_CHECKS WITH (
    KAFKA_TOPIC = 'dependency_checks',
    PARTITIONS = 6
) AS
SELECT
    A.JOB_ID AS JOB_ID,
    A.TRADESPERSON_ID AS TRADESPERSON_ID,
    A.DEPENDS_ON AS DEPENDS_ON,
    A.START_TS AS START_TS,
    D.END_TS AS DEPENDS_ON_END_TS,
    CASE WHEN D.END_TS IS NULL THEN 'DEPENDENCY_NOT_SCHEDULED'
         WHEN A.START_TS < D.END_TS THEN 'STARTS_BEFORE_DEPENDENCY_ENDS'
         ELSE CAST(NULL AS VARCHAR) END AS PROBLEM
FROM DEPENDENT_APPOINTMENTS A
LEFT JOIN SCHEDULED_ENDS D ON A.DEPENDS_ON = D.JOB_ID
EMIT CHANGES;

-- The violations only: a row appears when a dependent appointment has a problem and is deleted
-- (a tombstone) when a reschedule or a booking fixes it or the appointment is cancelled.
CREATE TABLE DEPENDENCY_VIOLATIONS WITH (
    KAFKA_TOPIC = 'dependency_violations',
    PARTITIONS = 6
) AS
SELECT JOB_ID, TRADESPERSON_ID, DEPENDS_ON, START_TS, DEPENDS_ON_END_TS, PROBLEM
FROM DEPENDENCY_CHECKS
WHERE PROBLEM IS NOT NULL
EMIT CHANGES;
