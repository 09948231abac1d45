-- Typology D2, division of labour (METHOD.md 2.1), one row per district and year:
--   (a) supplier_lq: LQ of the industries supplying the main industry (int_district_io_suppliers:
--       input-output coefficient a_jm >= typology_d2_supplier_min_coefficient, the main industry's
--       own division excluded, latest table not after the reference year);
--   (b) machinery_lq: LQ of the machinery industry serving the main group (int_region_machinery_lq);
--   (c) kibs_lq: LQ of knowledge-intensive business services (seeds/kibs_codes);
--   (d) export_lq: exports per employee of the main industry against the national industry.
with districts as (
    select * from {{ ref('int_districts') }}
),

cells as (
    select country, ref_year, region_code, industry_system, industry_code, employees, payroll
    from {{ ref('int_region_industry_lq') }}
),

groups as (
    select * from {{ ref('int_industry_code_groups') }}
),

national_industry as (
    select * from {{ ref('int_national_industry') }}
),

supplier_prefixes as (
    select district_id, ref_year, supplier_code as code_prefix from {{ ref('int_district_io_suppliers') }}
),

machinery as (
    -- The LQ of the machinery serving the district's own group (int_region_machinery_lq).
    select d.district_id, d.ref_year, m.machinery_lq
    from districts as d
    inner join groups as g on g.industry_system = d.industry_system and g.industry_code = d.main_industry_code
    inner join {{ ref('int_region_machinery_lq') }} as m
        on m.country = d.country and m.ref_year = d.ref_year and m.region_code = d.area_code
        and m.industry_system = d.industry_system and m.group_code = g.group_code
),

machinery_defined as (
    select distinct d.district_id, d.ref_year
    from districts as d
    inner join groups as g on g.industry_system = d.industry_system and g.industry_code = d.main_industry_code
    inner join {{ ref('machinery_for_groups') }} as m
        on m.group_code = g.group_code and m.industry_system = d.industry_system
),

kibs_prefixes as (
    select d.district_id, d.ref_year, k.code_prefix
    from districts as d
    inner join {{ ref('kibs_codes') }} as k on k.industry_system = d.industry_system
),

code_sets as (
    select district_id, ref_year, 'suppliers' as code_set, code_prefix from supplier_prefixes
    union all
    select district_id, ref_year, 'kibs', code_prefix from kibs_prefixes
),

totals as (
    select country, ref_year, industry_system, sum(employees) as national_employees
    from national_industry group by country, ref_year, industry_system
),

region_totals as (
    select country, ref_year, region_code, industry_system, sum(employees) as region_employees
    from cells group by country, ref_year, region_code, industry_system
),

set_codes as (
    -- The industry codes of each set (a code counts once even when several prefixes match it).
    select distinct s.district_id, s.ref_year, s.code_set, n.industry_code, n.employees
    from code_sets as s
    inner join districts as d on d.district_id = s.district_id and d.ref_year = s.ref_year
    inner join national_industry as n
        on n.country = d.country and n.ref_year = d.ref_year and n.industry_system = d.industry_system
        and starts_with(n.industry_code, s.code_prefix)
),

set_employment as (
    select
        s.district_id,
        s.ref_year,
        s.code_set,
        sum(coalesce(c.employees, 0)) as region_set_employees,
        sum(s.employees) as national_set_employees
    from set_codes as s
    inner join districts as d on d.district_id = s.district_id and d.ref_year = s.ref_year
    left join cells as c
        on c.country = d.country and c.ref_year = d.ref_year and c.region_code = d.area_code
        and c.industry_system = d.industry_system and c.industry_code = s.industry_code
    group by s.district_id, s.ref_year, s.code_set
),

set_lq as (
    select
        s.district_id,
        s.ref_year,
        s.code_set,
        {{ safe_divide(
            safe_divide('coalesce(e.region_set_employees, 0)', 'rt.region_employees'),
            safe_divide('e.national_set_employees', 't.national_employees')) }} as lq
    from (select distinct district_id, ref_year, code_set from code_sets) as s
    inner join districts as d on d.district_id = s.district_id and d.ref_year = s.ref_year
    left join set_employment as e
        on e.district_id = s.district_id and e.ref_year = s.ref_year and e.code_set = s.code_set
    left join totals as t
        on t.country = d.country and t.ref_year = d.ref_year and t.industry_system = d.industry_system
    left join region_totals as rt
        on rt.country = d.country and rt.ref_year = d.ref_year and rt.region_code = d.area_code
        and rt.industry_system = d.industry_system
)

select
    d.district_id,
    d.ref_year,
    sup.lq as supplier_lq,
    exists (select 1 from supplier_prefixes as p where p.district_id = d.district_id and p.ref_year = d.ref_year)
        as has_supplier_definition,
    mach.machinery_lq,
    md.district_id is not null as has_machinery_definition,
    kibs.lq as kibs_lq,
    w.export_intensity_index as export_lq
from districts as d
left join set_lq as sup on sup.district_id = d.district_id and sup.ref_year = d.ref_year and sup.code_set = 'suppliers'
left join machinery as mach on mach.district_id = d.district_id and mach.ref_year = d.ref_year
left join machinery_defined as md on md.district_id = d.district_id and md.ref_year = d.ref_year
left join set_lq as kibs on kibs.district_id = d.district_id and kibs.ref_year = d.ref_year and kibs.code_set = 'kibs'
left join {{ ref('int_district_indicators_wide') }} as w on w.district_id = d.district_id and w.ref_year = d.ref_year
