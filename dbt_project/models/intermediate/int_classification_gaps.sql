-- What does not reach the common industry language (ISIC Rev.4), never dropped silently: industry codes
-- of the loaded cells without a class-level ISIC link (compared at division level where the
-- classification shares ISIC's divisions, left out of cross-country comparisons otherwise), and HS
-- products of the export inputs without an ISIC link (their exports are not assigned to an industry).
-- One row per country, year, classification and code, with the employment or exports concerned.
with cells as (
    select country, ref_year, industry_system, industry_code,
           sum(establishments) as establishments, sum(employees) as employees, bool_or(is_synthetic) as is_synthetic
    from {{ ref('int_region_industry_lq') }}
    group by country, ref_year, industry_system, industry_code
),

bridge as (
    select industry_system, industry_code, min(link_level) as link_level
    from {{ ref('int_industry_isic4') }}
    group by industry_system, industry_code
),

codes as (
    select * from {{ ref('stg_reference__industry_codes') }}
),

industry_gaps as (
    select
        c.country,
        c.ref_year,
        c.industry_system as code_system,
        c.industry_code as code,
        n.industry_name as code_name,
        case when b.link_level = 'division' then 'mapped_to_isic_division' else 'unmapped' end as gap_kind,
        cast(c.establishments as double) as establishments,
        cast(c.employees as double) as employees,
        cast(null as double) as export_value,
        case
            when b.link_level = 'division' then
                'no class-level ISIC Rev.4 link loaded (load a ' || c.industry_system
                || ' -> ISIC4 table through the industry_crosswalk contract); compared at ISIC division '
                || substr(c.industry_code, 1, 2)
            else 'no ISIC Rev.4 link in the loaded crosswalks: left out of industry proximity and partner matching'
        end as note,
        c.is_synthetic
    from cells as c
    left join bridge as b on b.industry_system = c.industry_system and b.industry_code = c.industry_code
    left join codes as n on n.industry_system = c.industry_system and n.industry_code = c.industry_code
    where b.link_level is null or b.link_level = 'division'
),

hs_links as (
    select distinct hs_code from {{ ref('int_hs_isic4') }}
),

product_gaps as (
    select
        x.country,
        x.ref_year,
        x.product_system as code_system,
        x.product_code as code,
        cast(null as varchar) as code_name,
        'unmapped' as gap_kind,
        cast(null as double) as establishments,
        cast(null as double) as employees,
        sum(x.export_value) as export_value,
        'HS product without an ISIC Rev.4 link: its exports are not assigned to an industry' as note,
        bool_or(x.is_synthetic) as is_synthetic
    from {{ ref('stg_landing__exports') }} as x
    where x.product_system = 'HS'
      and not exists (select 1 from hs_links as l where l.hs_code = x.product_code)
    group by x.country, x.ref_year, x.product_system, x.product_code
)

select * from industry_gaps
union all
select * from product_gaps
