-- The national reference economy of location quotients, by country, year and classification, where
-- one is loaded: national totals supplied by an office (landing.industry_totals), or else the sum over
-- regions that cover the nation (landing.region_industry, of the type named in seeds/country_settings.csv:
-- for the United States the 50 states of County Business Patterns). Where neither is loaded, the LQ
-- macro falls back to the loaded areas. lq_reference says which reference a total is.
with national_totals as (
    select
        country, ref_year, industry_system, industry_code,
        cast(sum(establishments) as bigint) as establishments,
        cast(sum(employees) as bigint) as industry_employees,
        'national_totals' as lq_reference
    from {{ ref('stg_landing__industry_totals') }}
    group by country, ref_year, industry_system, industry_code
),

settings as (
    select country, national_reference_regions from {{ ref('country_settings') }}
    where national_reference_regions is not null
),

region_sums as (
    select
        r.country, r.ref_year, r.industry_system, r.industry_code,
        cast(sum(r.establishments) as bigint) as establishments,
        cast(sum(r.employees) as bigint) as industry_employees,
        'sum_of_' || r.region_type || 's' as lq_reference
    from {{ ref('stg_landing__region_industry') }} as r
    inner join settings as s on r.country = s.country and r.region_type = s.national_reference_regions
    where not exists (
        select 1 from national_totals as n
        where n.country = r.country and n.ref_year = r.ref_year and n.industry_system = r.industry_system
    )
    group by r.country, r.ref_year, r.industry_system, r.industry_code, r.region_type
)

select * from national_totals
union all
select * from region_sums
