-- LQ of the machinery industry serving each ISTAT group (seeds/machinery_for_groups) in every region
-- that hosts a district, in the region's own classification: typology D2 (b) reads the district's own
-- group, partner matching M5 every group (machinery makers meet user industries). A region without
-- employment in a group's machinery has LQ 0; a group whose machinery has no employment in the nation
-- has no row.
with regions as (
    select distinct country, ref_year, area_code as region_code, industry_system from {{ ref('int_districts') }}
),

cells as (
    select * from {{ ref('int_region_industry_lq') }}
),

national_industry as (
    select country, ref_year, industry_system, industry_code, sum(employees) as employees
    from cells group by country, ref_year, industry_system, industry_code
),

national_totals as (
    select country, ref_year, industry_system, sum(employees) as employees
    from national_industry group by country, ref_year, industry_system
),

machinery_codes as (
    select distinct m.group_code, n.country, n.ref_year, n.industry_system, n.industry_code, n.employees
    from {{ ref('machinery_for_groups') }} as m
    inner join national_industry as n
        on n.industry_system = m.industry_system and starts_with(n.industry_code, m.code_prefix)
),

machinery_national as (
    select group_code, country, ref_year, industry_system, sum(employees) as employees
    from machinery_codes group by group_code, country, ref_year, industry_system
),

region_totals as (
    select c.country, c.ref_year, c.region_code, c.industry_system, sum(c.employees) as employees
    from cells as c
    inner join regions as p
        on p.country = c.country and p.ref_year = c.ref_year and p.region_code = c.region_code
        and p.industry_system = c.industry_system
    group by c.country, c.ref_year, c.region_code, c.industry_system
),

machinery_region as (
    select p.country, p.ref_year, p.region_code, p.industry_system, m.group_code,
           sum(coalesce(c.employees, 0)) as employees
    from regions as p
    inner join machinery_codes as m
        on m.country = p.country and m.ref_year = p.ref_year and m.industry_system = p.industry_system
    left join cells as c
        on c.country = p.country and c.ref_year = p.ref_year and c.region_code = p.region_code
        and c.industry_system = p.industry_system and c.industry_code = m.industry_code
    group by p.country, p.ref_year, p.region_code, p.industry_system, m.group_code
),

machinery as (
    select
        r.country, r.ref_year, r.region_code, r.industry_system, r.group_code,
        {{ safe_divide(safe_divide('r.employees', 't.employees'), safe_divide('n.employees', 'nt.employees')) }} as machinery_lq
    from machinery_region as r
    inner join region_totals as t
        on t.country = r.country and t.ref_year = r.ref_year and t.region_code = r.region_code
        and t.industry_system = r.industry_system
    inner join machinery_national as n
        on n.group_code = r.group_code and n.country = r.country and n.ref_year = r.ref_year
        and n.industry_system = r.industry_system
    inner join national_totals as nt
        on nt.country = r.country and nt.ref_year = r.ref_year and nt.industry_system = r.industry_system
)

select * from machinery
