-- CONF_STATUS of the district values that aggregate register units into cells the release does not publish,
-- and that the typology, the gap diagnosis and the indicators classify or quote: the LQs of the supplier,
-- machinery and KIBS industries in the district's region (typology D2) and the export share of the main
-- industry's turnover (D3). Each is a cell of the primary rules (macro conf_status) over its units'
-- contributions: employees for the LQs, turnover for the export share (its dominance rule reads turnover).
-- A set without units is a structural zero and free; countries whose cells are official statistics (no
-- register units) publish aggregates and are free.
with districts as (
    select * from {{ ref('int_districts') }}
),

disclosure as (
    select * from {{ ref('int_disclosure_rules') }}
),

units as (
    -- Register units in their region, as int_region_industry_lq places area cells.
    select
        u.country, u.ref_year, coalesce(r.region_code, u.area_code) as region_code, u.industry_system,
        u.class_code, u.unit_id, u.employees, u.turnover
    from {{ ref('int_establishments_sized') }} as u
    left join {{ ref('int_area_regions') }} as r on r.country = u.country and r.area_code = u.area_code
),

register_years as (
    select distinct country, ref_year from units
),

code_sets as (
    -- The code sets of typology D2 (int_district_d2_division_of_labour): suppliers (a), machinery (b), KIBS (c).
    select district_id, ref_year, 'suppliers' as code_set, supplier_code as code_prefix
    from {{ ref('int_district_io_suppliers') }}
    union all
    select d.district_id, d.ref_year, 'machinery', m.code_prefix
    from districts as d
    inner join {{ ref('int_industry_code_groups') }} as g
        on g.industry_system = d.industry_system and g.industry_code = d.main_industry_code
    inner join {{ ref('machinery_for_groups') }} as m
        on m.group_code = g.group_code and m.industry_system = d.industry_system
    union all
    select d.district_id, d.ref_year, 'kibs', k.code_prefix
    from districts as d
    inner join {{ ref('kibs_codes') }} as k on k.industry_system = d.industry_system
),

set_units as (
    -- A unit counts once in a set even when several prefixes match its code.
    select distinct s.district_id, s.ref_year, s.code_set, u.unit_id, u.employees
    from code_sets as s
    inner join districts as d on d.district_id = s.district_id and d.ref_year = s.ref_year
    inner join units as u
        on u.country = d.country and u.ref_year = d.ref_year and u.region_code = d.area_code
        and u.industry_system = d.industry_system and starts_with(u.class_code, s.code_prefix)
),

set_cells as (
    select
        district_id, ref_year, code_set,
        count(*) as contributing_units, sum(employees) as contributed, max(employees, 2) as top_two
    from set_units
    group by all
),

turnover_cells as (
    select
        d.district_id, d.ref_year,
        count(*) as contributing_units, sum(u.turnover) as contributed, max(u.turnover, 2) as top_two
    from districts as d
    inner join units as u
        on u.country = d.country and u.ref_year = d.ref_year and u.region_code = d.area_code
        and u.industry_system = d.industry_system and u.class_code = d.main_industry_code
    where u.turnover is not null
    group by all
),

statuses as (
    select district_id, ref_year, code_set as cell,
           {{ conf_status('contributing_units', 'top_two', 'contributed') }} as conf_status
    from set_cells cross join disclosure
    union all
    select district_id, ref_year, 'export_share',
           {{ conf_status('contributing_units', 'top_two', 'contributed') }}
    from turnover_cells cross join disclosure
)

select
    d.district_id,
    d.ref_year,
    {%- for cell, column in [('suppliers', 'supplier_lq'), ('machinery', 'machinery_lq'), ('kibs', 'kibs_lq'),
                             ('export_share', 'export_share')] %}
    case when y.country is null then 'F'
         else coalesce(max(case when s.cell = '{{ cell }}' then s.conf_status end), 'F') end
        as {{ column }}_status
    {{- "," if not loop.last }}
    {%- endfor %}
from districts as d
left join register_years as y on y.country = d.country and y.ref_year = d.ref_year
left join statuses as s on s.district_id = d.district_id and s.ref_year = d.ref_year
group by d.district_id, d.ref_year, y.country
