-- Every industry code of the loaded cells expressed in ISIC Rev.4 (METHOD.md 5, issue "one industry
-- language"): class-level links from the bundled crosswalks (NAICS 2017 -> ISIC 4, SCIAN -> CIIU Rev.4,
-- or any crosswalk loaded through the industry_crosswalk contract), a code's employment split in equal
-- parts over its links (is_estimate when it has several, or the crosswalk marks the link partial).
-- Classifications whose divisions are ISIC's (seeds/industry_systems.csv: ATECO, NACE) fall back to the
-- division when no class link is loaded (link_level 'division'). Codes with neither are not here:
-- marts.classification_gaps lists them.
with codes as (
    select distinct industry_system, industry_code from {{ ref('int_region_industry_lq') }}
),

systems as (
    select * from {{ ref('industry_systems') }}
),

links as (
    select
        industry_system,
        industry_code,
        target_code as isic4_code,
        coalesce(is_partial, false) as is_partial,
        count(*) over (partition by industry_system, industry_code) as links
    from {{ ref('stg_reference__industry_crosswalk') }}
    where target_system = 'ISIC4'
),

class_links as (
    select
        c.industry_system,
        c.industry_code,
        l.isic4_code,
        substr(l.isic4_code, 1, 2) as isic4_division,
        1.0 / l.links as weight,
        'class' as link_level,
        l.links > 1 or l.is_partial as is_estimate
    from codes as c
    inner join links as l on l.industry_system = c.industry_system and l.industry_code = c.industry_code
    where c.industry_system <> 'ISIC4'
),

identity as (
    select industry_system, industry_code, industry_code as isic4_code, substr(industry_code, 1, 2) as isic4_division,
           1.0 as weight, 'class' as link_level, false as is_estimate
    from codes
    where industry_system = 'ISIC4'
),

division_links as (
    select
        c.industry_system,
        c.industry_code,
        cast(null as varchar) as isic4_code,
        substr(c.industry_code, 1, 2) as isic4_division,
        1.0 as weight,
        'division' as link_level,
        false as is_estimate
    from codes as c
    inner join systems as s on s.industry_system = c.industry_system and s.isic_divisions_identical
    where c.industry_system <> 'ISIC4'
      and not exists (
          select 1 from class_links as k
          where k.industry_system = c.industry_system and k.industry_code = c.industry_code
      )
)

select * from class_links
union all
select * from identity
union all
select * from division_links
