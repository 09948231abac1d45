-- Typology D4, innovation (METHOD.md 2.1), one row per district and year where innovation counts are loaded
-- for its country, year and classification: patents + trademarks + designs per employee of the main
-- industry in the district, against the national industry (a loaded input in which the district has none
-- gives 0).
with districts as (
    select * from {{ ref('int_districts') }}
),

regions as (
    select * from {{ ref('int_area_regions') }}
),

innovation as (
    select i.*, coalesce(r.region_code, i.area_code) as region_code
    from {{ ref('stg_landing__innovation') }} as i
    left join regions as r on r.country = i.country and r.area_code = i.area_code
),

national_industry as (
    select * from {{ ref('int_national_industry') }}
),

innovation_loaded as (
    select distinct country, ref_year, industry_system from innovation
),

innovation_ratio as (
    select
        d.district_id,
        d.ref_year,
        {{ safe_divide(
            safe_divide('sum(case when i.region_code = d.area_code then i.ip_rights else 0 end)', 'max(d.employees)'),
            safe_divide('sum(i.ip_rights)', 'max(n.employees)')) }} as innovation_ratio,
        sum(case when i.region_code = d.area_code then i.ip_rights else 0 end) as ip_rights
    from districts as d
    inner join innovation_loaded as l
        on l.country = d.country and l.ref_year = d.ref_year and l.industry_system = d.industry_system
    left join national_industry as n
        on n.country = d.country and n.ref_year = d.ref_year and n.industry_system = d.industry_system
        and n.industry_code = d.main_industry_code
    left join innovation as i
        on i.country = d.country and i.ref_year = d.ref_year and i.industry_system = d.industry_system
        and i.industry_code = d.main_industry_code
    group by d.district_id, d.ref_year
)

select district_id, ref_year, innovation_ratio, ip_rights from innovation_ratio
