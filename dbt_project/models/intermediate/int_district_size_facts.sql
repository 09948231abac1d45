-- The deck's size facts of every district, long: one row per district, year and fact, with the threshold
-- that was applied beside the flag (the facts, what they compare and which rule gives the threshold are in
-- seeds/size_fact_rules.csv; the thresholds are rules of the rule set).
with districts as (
    select * from {{ ref('int_districts') }}
),

facts as (
    select * from {{ ref('size_fact_rules') }}
),

rules as (
    select * from {{ ref('int_rule_parameters') }}
),

measured as (
    select
        d.district_id,
        d.country,
        d.ref_year,
        f.fact,
        f.measure,
        f.comparison,
        r.value as threshold,
        case f.measure when 'firms' then d.firms when 'employees' then d.employees end as measured_value,
        d.rule_set_version
    from districts as d
    cross join facts as f
    inner join rules as r on r.parameter = f.threshold_parameter
)

select
    district_id,
    country,
    ref_year,
    fact,
    measure,
    comparison,
    threshold,
    measured_value,
    case comparison
        when '>' then measured_value > threshold
        when '>=' then measured_value >= threshold
        when '<' then measured_value < threshold
        when '<=' then measured_value <= threshold
    end as meets,
    rule_set_version
from measured
