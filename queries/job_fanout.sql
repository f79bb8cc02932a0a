-- Job fan-out: the moment a job is posted, every available tradesperson whose skills include the
-- job's service and whose base is within their working radius of the job gets a notification.
-- JOB_NOTIFICATIONS holds one record per (job, tradesperson), keyed by the tradesperson to notify.
--
-- ksqlDB joins a stream to a table only on the table's primary key, and a table function
-- (EXPLODE) runs only over a stream, so the fan-out goes through re-keyed tables:
--   profiles (stream) --EXPLODE(skills)--> one record per (tradesperson, skill)
--   --> TRADESPERSON_SKILLS: each (tradesperson, skill)'s latest state (a table)
--   --> SKILL_ROSTERS: per region and skill, the AVAILABLE tradespeople (a table aggregation, so a
--       profile that becomes unavailable is taken back out of its rosters and stops getting
--       notifications, and comes back when it is available again)
--   jobs (stream) JOIN the roster of the job's region and service --> EXPLODE the roster
--   --> keep the tradespeople whose base is within their radius of the job (GEO_DISTANCE in km).
-- A roster is per region as well as per skill, so that a job looks only at the tradespeople of
-- its own region and rosters stay small. A job whose region and service have no roster (an
-- unknown service, or nobody offering it there) notifies nobody.

-- Posted jobs, keyed by job id.
CREATE STREAM JOBS (
    JOB_ID VARCHAR KEY,
    CUSTOMER_ID VARCHAR,
    SERVICE_OPTION VARCHAR,
    REGION VARCHAR,
    ADDRESS VARCHAR,
    LAT DOUBLE,
    LON DOUBLE,
    POSTED_AT BIGINT,
    JOB_START BIGINT,
    JOB_TARGET_END BIGINT,
    DEPENDS_ON VARCHAR,
    TOTAL_PRICE DOUBLE,
    CURRENCY VARCHAR
) WITH (
    KAFKA_TOPIC = 'jobs',
    VALUE_FORMAT = 'JSON',
    KEY_FORMAT = 'KAFKA',
    PARTITIONS = 6
);

-- The tradespeople's profiles (a compacted topic), read as a stream of changes: EXPLODE needs a
-- stream. A profile never loses a skill; it becomes unavailable.
CREATE STREAM TRADESPEOPLE_CHANGES (
    TRADESPERSON_ID VARCHAR KEY,
    NAME VARCHAR,
    REGION VARCHAR,
    SKILLS ARRAY<VARCHAR>,
    BASE_LAT DOUBLE,
    BASE_LON DOUBLE,
    RADIUS_KM DOUBLE,
    AVAILABLE BOOLEAN,
    UPDATED_AT BIGINT
) WITH (
    KAFKA_TOPIC = 'tradespeople',
    VALUE_FORMAT = 'JSON',
    KEY_FORMAT = 'KAFKA',
    PARTITIONS = 6
);

-- One record per skill of each profile change.
CREATE STREAM TRADESPERSON_SKILL_CHANGES WITH (
    KAFKA_TOPIC = 'tradesperson_skill_changes',
    PARTITIONS = 6
) AS
SELECT
    TRADESPERSON_ID,
    EXPLODE(SKILLS) AS SKILL,
    REGION,
    BASE_LAT,
    BASE_LON,
    RADIUS_KM,
    AVAILABLE
FROM TRADESPEOPLE_CHANGES
EMIT CHANGES;

-- Each (tradesperson, skill)'s latest state: a table, so that a change of the profile replaces
-- (retracts) its earlier state in the rosters below. Two key columns need a JSON key.
CREATE TABLE TRADESPERSON_SKILLS WITH (
    KAFKA_TOPIC = 'tradesperson_skills',
    KEY_FORMAT = 'JSON',
    PARTITIONS = 6
) AS
SELECT
    TRADESPERSON_ID,
    SKILL,
    LATEST_BY_OFFSET(REGION) AS REGION,
    LATEST_BY_OFFSET(BASE_LAT) AS BASE_LAT,
    LATEST_BY_OFFSET(BASE_LON) AS BASE_LON,
    LATEST_BY_OFFSET(RADIUS_KM) AS RADIUS_KM,
    LATEST_BY_OFFSET(AVAILABLE) AS AVAILABLE
FROM TRADESPERSON_SKILL_CHANGES
GROUP BY TRADESPERSON_ID, SKILL
EMIT CHANGES;

-- Per region and skill ('sydney/plumbing'), the available tradespeople with their base and
-- radius. A profile that becomes unavailable leaves the WHERE, which takes its entry back out.
CREATE TABLE SKILL_ROSTERS WITH (
    KAFKA_TOPIC = 'skill_rosters',
    KEY_FORMAT = 'KAFKA',
    PARTITIONS = 6
) AS
SELECT
    REGION + '/' + SKILL AS ROSTER_KEY,
    COLLECT_LIST(STRUCT(
        TRADESPERSON_ID := TRADESPERSON_ID,
        BASE_LAT := BASE_LAT,
        BASE_LON := BASE_LON,
        RADIUS_KM := RADIUS_KM)) AS TRADESPEOPLE
FROM TRADESPERSON_SKILLS
WHERE AVAILABLE
GROUP BY REGION + '/' + SKILL
EMIT CHANGES;

-- Each posted job with the roster of its region and service (the stream is re-keyed by that).
CREATE STREAM JOB_ROSTERS WITH (
    KAFKA_TOPIC = 'job_rosters',
    PARTITIONS = 6
) AS
SELECT
    R.ROSTER_KEY AS ROSTER_KEY,
    J.JOB_ID AS JOB_ID,
    J.SERVICE_OPTION AS SERVICE_OPTION,
    J.REGION AS REGION,
    J.ADDRESS AS ADDRESS,
    J.LAT AS LAT,
    J.LON AS LON,
    J.JOB_START AS JOB_START,
    J.TOTAL_PRICE AS TOTAL_PRICE,
    J.CURRENCY AS CURRENCY,
    R.TRADESPEOPLE AS TRADESPEOPLE
FROM JOBS J
JOIN SKILL_ROSTERS R ON J.REGION + '/' + J.SERVICE_OPTION = R.ROSTER_KEY
EMIT CHANGES;

-- The fan-out: one record per job and rostered tradesperson.
CREATE STREAM JOB_CANDIDATES WITH (
    KAFKA_TOPIC = 'job_candidates',
    PARTITIONS = 6
) AS
SELECT
    ROSTER_KEY,
    JOB_ID,
    SERVICE_OPTION,
    REGION,
    ADDRESS,
    LAT,
    LON,
    JOB_START,
    TOTAL_PRICE,
    CURRENCY,
    EXPLODE(TRADESPEOPLE) AS CANDIDATE
FROM JOB_ROSTERS
EMIT CHANGES;

-- The notifications: the candidates within reach, keyed by the tradesperson to notify, so each
-- tradesperson's notifications stay in order on one partition.
CREATE STREAM JOB_NOTIFICATIONS WITH (
    KAFKA_TOPIC = 'job_notifications',
    PARTITIONS = 6
) AS
SELECT
    CANDIDATE->TRADESPERSON_ID AS TRADESPERSON_ID,
    JOB_ID,
    SERVICE_OPTION,
    REGION,
    ADDRESS,
    JOB_START,
    TOTAL_PRICE,
    CURRENCY,
    ROUND(GEO_DISTANCE(LAT, LON, CANDIDATE->BASE_LAT, CANDIDATE->BASE_LON, 'KM'), 2) AS DISTANCE_KM
FROM JOB_CANDIDATES
WHERE GEO_DISTANCE(LAT, LON, CANDIDATE->BASE_LAT, CANDIDATE->BASE_LON, 'KM') <= CANDIDATE->RADIUS_KM
PARTITION BY CANDIDATE->TRADESPERSON_ID
EMIT CHANGES;
