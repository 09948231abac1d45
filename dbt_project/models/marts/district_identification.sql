-- The identification methods side by side (METHOD.md 1.2-1.4): for every region and year, the
-- verdict of each method with its main industry and a note.
--   lq_size_v1     : the LQ and size thresholds of `districts`;
--   sforzi_istat   : the Sforzi-ISTAT steps (NULL where unit sizes are missing);
--   cluster_mapping: for regions whose inputs have no unit sizes, a manufacturing industry with the
--                    ECO specialisation star, at least cluster_route_min_stars stars, and the
--                    employee and establishment minimums of lq_size_v1.
with regions as (
    select distinct country, ref_year, region_code from {{ ref('int_region_industry_lq') }}
),

rules as (
    select * from {{ ref('int_rules') }}
),

lq_size as (
    select
        g.country, g.ref_year, g.region_code,
        'lq_size_v1' as identification_method,
        d.district_id is not null as is_district,
        d.industry_system as main_industry_system,
        d.main_industry_code,
        case when d.district_id is not null then 'LQ, size and share thresholds met'
             else 'no manufacturing industry meets the thresholds' end as method_note
    from regions as g
    left join {{ ref('int_districts') }} as d
        on d.country = g.country and d.ref_year = g.ref_year and d.area_code = g.region_code
),

sforzi as (
    select
        country, ref_year, area_code as region_code,
        'sforzi_istat' as identification_method,
        is_district,
        'ISTAT_GROUP' as main_industry_system,
        main_group_code as main_industry_code,
        method_note
    from {{ ref('int_sforzi_istat') }}
),

sized as (
    select distinct country, ref_year from {{ ref('int_sforzi_units') }}
),

star_candidates as (
    select
        c.country, c.ref_year, c.region_code, c.industry_system, c.industry_code, s.eco_stars,
        row_number() over (
            partition by c.country, c.ref_year, c.region_code order by c.prevalence_index desc, c.industry_code
        ) as candidate_rank
    from {{ ref('int_cluster_route_candidates') }} as c
    inner join {{ ref('int_eco_stars') }} as s
        on c.country = s.country and c.ref_year = s.ref_year and c.region_code = s.region_code
        and c.industry_system = s.industry_system and c.industry_code = s.industry_code
),

cluster_route as (
    select
        g.country, g.ref_year, g.region_code,
        'cluster_mapping' as identification_method,
        case when z.country is not null then cast(null as boolean) else c.region_code is not null end
            as is_district,
        c.industry_system as main_industry_system,
        c.industry_code as main_industry_code,
        case
            when z.country is not null then 'unit sizes available: the Sforzi-ISTAT route applies'
            when c.region_code is not null then 'a manufacturing industry with the specialisation star and '
                || cast(c.eco_stars as varchar) || ' ECO stars'
            else 'no manufacturing industry with the specialisation star and enough ECO stars'
        end as method_note
    from regions as g
    left join sized as z on z.country = g.country and z.ref_year = g.ref_year
    left join star_candidates as c
        on c.country = g.country and c.ref_year = g.ref_year and c.region_code = g.region_code
        and c.candidate_rank = 1
)

select u.*, r.rule_set_version
from (
    select * from lq_size
    union all
    select * from sforzi
    union all
    select * from cluster_route
) as u
cross join rules as r
