-- Industry proximity (METHOD.md 5 M2; Hidalgo, Klinger, Barabasi & Hausmann 2007): for two ISIC Rev.4
-- divisions i and j, phi = min(P(RCA_i >= 1 | RCA_j >= 1), P(RCA_j >= 1 | RCA_i >= 1)) = regions
-- specialised in both / the larger of the two counts, over every loaded region (counties, labour-market
-- areas) of the latest year of each country; RCA is the region's LQ in the division against its own
-- nation (int_region_isic_division). One row per ordered pair with at least one region specialised in
-- both (phi = 0 otherwise); the diagonal is left out.
with rules as (
    select * from {{ ref('int_rules') }}
),

cells as (
    select * from {{ ref('int_region_isic_division') }}
),

latest as (
    select country, max(ref_year) as ref_year from cells group by country
),

specialised as (
    select c.country, c.region_code, c.isic4_division
    from cells as c
    inner join latest as l on l.country = c.country and l.ref_year = c.ref_year
    cross join rules as r
    where c.lq >= r.match_proximity_min_rca
),

counts as (
    select isic4_division, count(*) as regions from specialised group by isic4_division
),

observations as (
    select count(distinct country || '|' || region_code) as regions from cells
    where (country, ref_year) in (select (country, ref_year) from latest)
),

pairs as (
    select a.isic4_division as division_i, b.isic4_division as division_j, count(*) as regions_both
    from specialised as a
    inner join specialised as b
        on a.country = b.country and a.region_code = b.region_code and a.isic4_division <> b.isic4_division
    group by a.isic4_division, b.isic4_division
)

select
    p.division_i,
    p.division_j,
    round(p.regions_both * 1.0 / greatest(ci.regions, cj.regions), 8) as phi,
    round(p.regions_both * 1.0 / cj.regions, 8) as p_i_given_j,
    round(p.regions_both * 1.0 / ci.regions, 8) as p_j_given_i,
    ci.regions as regions_i,
    cj.regions as regions_j,
    p.regions_both,
    o.regions as regions_observed,
    r.rule_set_version
from pairs as p
inner join counts as ci on ci.isic4_division = p.division_i
inner join counts as cj on cj.isic4_division = p.division_j
cross join observations as o
cross join rules as r
