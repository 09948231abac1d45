{{ config(materialized="view") }}

-- Each register unit of a district's main industry with its tier (METHOD.md 3b): leader / final firm (at least
-- tier_leader_min_employees, or the top tier_leader_top_share by size), primary supplier (at least
-- tier_primary_min_employees) or satellite; the bounds are rules of the rule set.
with units as (
    select * from {{ ref('int_district_units') }}
),

rules as (
    select * from {{ ref('int_rules') }}
)

select
    u.*,
    case
        when u.employees >= r.tier_leader_min_employees
            or u.size_rank <= floor(u.district_units * r.tier_leader_top_share) then 'leader'
        when u.employees >= r.tier_primary_min_employees then 'primary_supplier'
        else 'satellite'
    end as tier
from units as u
cross join rules as r
