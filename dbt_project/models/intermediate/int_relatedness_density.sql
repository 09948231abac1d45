-- Relatedness density (METHOD.md 5 M3; Hidalgo et al. 2007, EconGeo relatedness_density): for every
-- loaded region and year and every ISIC division k with a proximity, the share of k's proximity mass
-- that falls on divisions j in which the region is specialised:
--   density_rk = sum_{j <> k} x_rj phi_kj / sum_{j <> k} phi_kj,  x_rj = 1 when LQ_rj >= match_proximity_min_rca.
-- How close a region's capabilities are to an industry it may not have yet; partner matching (M3)
-- and analysts read it from here.
with rules as (
    select * from {{ ref('int_rules') }}
),

proximity as (
    select division_i, division_j, phi from {{ ref('int_industry_proximity') }}
),

regions as (
    select distinct country, ref_year, region_code from {{ ref('int_region_isic_division') }}
),

specialised as (
    select c.country, c.ref_year, c.region_code, c.isic4_division
    from {{ ref('int_region_isic_division') }} as c
    cross join rules as r
    where c.lq >= r.match_proximity_min_rca
),

mass as (
    select division_i, sum(phi) as phi_total from proximity group by division_i
),

near as (
    select s.country, s.ref_year, s.region_code, p.division_i as isic4_division, sum(p.phi) as phi_specialised
    from specialised as s
    inner join proximity as p on p.division_j = s.isic4_division
    group by s.country, s.ref_year, s.region_code, p.division_i
)

select
    g.country,
    g.ref_year,
    g.region_code,
    m.division_i as isic4_division,
    round(coalesce(n.phi_specialised, 0) / m.phi_total, 8) as density,
    exists (
        select 1 from specialised as s
        where s.country = g.country and s.ref_year = g.ref_year and s.region_code = g.region_code
          and s.isic4_division = m.division_i
    ) as is_specialised,
    r.rule_set_version
from regions as g
cross join mass as m
cross join rules as r
left join near as n
    on n.country = g.country and n.ref_year = g.ref_year and n.region_code = g.region_code
    and n.isic4_division = m.division_i
