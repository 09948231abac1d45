-- CONF_STATUS of each district's total (its units and employees, and what is computed from them: average unit
-- size, LQ, national share, the size facts, typology D1). The total is a cell of the primary rules over the
-- district's register units (macro conf_status: A, O, T); otherwise it is withheld (D) where the area cells
-- inside it cannot be protected while it is published (intermediate.int_disclosure_suppression, object
-- 'district') or its tier or size-class cells cannot (intermediate.int_disclosure_component_suppression,
-- component 'total'); F otherwise. Districts of official statistics (no register units) are published
-- aggregates.
with districts as (
    select * from {{ ref('int_districts') }}
),

disclosure as (
    select * from {{ ref('int_disclosure_rules') }}
),

totals as (
    select district_id, ref_year, count(*) as units, sum(employees) as employees, max(employees, 2) as top_two
    from {{ ref('int_district_unit_tiers') }}
    group by district_id, ref_year
),

primary_status as (
    select t.district_id, t.ref_year, {{ conf_status('t.units', 't.top_two', 't.employees') }} as conf_status
    from totals as t
    cross join disclosure
),

withheld as (
    select district_id, ref_year from {{ ref('int_disclosure_suppression') }} where object = 'district'
    union
    select district_id, ref_year from {{ ref('int_disclosure_component_suppression') }}
    where dimension = 'district' and component = 'total'
)

select
    d.district_id,
    d.ref_year,
    case
        when coalesce(p.conf_status, 'F') <> 'F' then p.conf_status
        when w.district_id is not null then 'D'
        else 'F'
    end as conf_status
from districts as d
left join primary_status as p on p.district_id = d.district_id and p.ref_year = d.ref_year
left join withheld as w on w.district_id = d.district_id and w.ref_year = d.ref_year
