{{ config(materialized="view") }}

-- The register units of each district's main industry, ranked by size within the district.
select
    d.district_id,
    d.ref_year,
    u.unit_id,
    u.employees,
    u.size_class,
    u.is_estimate,
    row_number() over (partition by d.district_id, d.ref_year order by u.employees desc, u.unit_id) as size_rank,
    count(*) over (partition by d.district_id, d.ref_year) as district_units
from {{ ref('int_districts') }} as d
inner join {{ ref('int_area_regions') }} as r on r.country = d.country and r.region_code = d.area_code
inner join {{ ref('int_establishments_sized') }} as u
    on u.country = d.country and u.area_code = r.area_code and u.ref_year = d.ref_year
    and u.industry_system = d.industry_system and u.class_code = d.main_industry_code
