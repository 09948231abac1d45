-- The deck's three tiers inside a district (METHOD.md 3b), from register units of the main
-- industry: leaders / final firms (at least tier_leader_min_employees, or the top tier_leader_top_share by
-- size), primary suppliers (at least tier_primary_min_employees) and satellites (smaller units); the bounds
-- are rules of the rule set. Without an input-output table the upstream industries are
-- not known, so suppliers are counted in the main industry only (supplier_scope says so).
-- Leader concentration is released only as a category (a top-1 share would reveal one unit).
with tiered as (
    select * from {{ ref('int_district_unit_tiers') }}
),

rules as (
    select * from {{ ref('int_rules') }}
),

summary as (
    select
        district_id,
        ref_year,
        sum(case when tier = 'leader' then 1 else 0 end) as leader_units,
        sum(case when tier = 'leader' then employees else 0 end) as leader_employees,
        sum(case when tier = 'primary_supplier' then 1 else 0 end) as primary_supplier_units,
        sum(case when tier = 'primary_supplier' then employees else 0 end) as primary_supplier_employees,
        sum(case when tier = 'satellite' then 1 else 0 end) as satellite_units,
        sum(case when tier = 'satellite' then employees else 0 end) as satellite_employees,
        max(employees) / sum(employees) as top1_share,
        sum(case when size_rank <= 4 then employees else 0 end) / sum(employees) as top4_share,
        bool_or(is_estimate) as is_estimate
    from tiered
    group by district_id, ref_year
)

select
    s.district_id,
    s.ref_year,
    cast(s.leader_units as bigint) as leader_units,
    cast(s.leader_employees as double) as leader_employees,
    cast(s.primary_supplier_units as bigint) as primary_supplier_units,
    cast(s.primary_supplier_employees as double) as primary_supplier_employees,
    cast(s.satellite_units as bigint) as satellite_units,
    cast(s.satellite_employees as double) as satellite_employees,
    case
        when s.top1_share >= r.hub_top1_share then 'dominant_unit'
        when s.top4_share >= r.hub_cr4_share then 'concentrated'
        else 'dispersed'
    end as leader_concentration,
    round({{ safe_divide('s.satellite_units', 's.leader_units') }}, 6) as satellite_to_leader_ratio,
    s.leader_units = 0 and s.primary_supplier_units = 0 as is_horizontal_competition,
    'main industry only (no input-output table loaded)' as supplier_scope,
    s.is_estimate,
    r.rule_set_version
from summary as s
cross join rules as r
