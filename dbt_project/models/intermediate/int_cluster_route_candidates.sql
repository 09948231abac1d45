-- Manufacturing region x industry cells that pass the cluster-mapping route (METHOD.md 1.3-1.4):
-- the ECO specialisation star, at least cluster_route_min_stars stars, and the employee and
-- establishment minimums of the district rule set.
with rules as (
    select * from {{ ref('int_rules') }}
),

systems as (
    select * from {{ ref('industry_systems') }}
)

select c.*
from {{ ref('int_region_industry_lq') }} as c
inner join {{ ref('int_eco_stars') }} as s
    on c.country = s.country and c.ref_year = s.ref_year and c.region_code = s.region_code
    and c.industry_system = s.industry_system and c.industry_code = s.industry_code
inner join systems as y on y.industry_system = c.industry_system
cross join rules as r
where substr(c.industry_code, 1, y.division_length) between y.manufacturing_from and y.manufacturing_to
  and s.has_specialisation_star and s.eco_stars >= r.cluster_route_min_stars
  and c.employees >= r.district_min_employees and c.establishments >= r.district_min_establishments
