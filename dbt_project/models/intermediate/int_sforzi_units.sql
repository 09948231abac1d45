-- Register units of manufacturing, by region, ISTAT group and size class, for the size-class
-- location quotients (Sforzi-ISTAT step 3) and the SME test of the main industry (step 5).
-- Statistics without size classes (CBP) have no rows here.
with units as (
    select u.*, r.region_code, g.group_code
    from {{ ref('int_establishments_sized') }} as u
    inner join {{ ref('int_area_regions') }} as r on u.country = r.country and u.area_code = r.area_code
    inner join {{ ref('int_industry_code_groups') }} as g
        on u.industry_system = g.industry_system and u.class_code = g.industry_code
    where g.macro_sector = 'manufacturing'
),

banded as (
    -- Step 3 bands: small = micro and small units, medium, large (bounds from the rule set).
    select
        u.country,
        u.ref_year,
        u.region_code,
        u.group_code,
        case
            when u.size_class in ('micro', 'small') then 'small'
            when u.size_class = 'medium' then 'medium'
            else 'large'
        end as size_band,
        u.employees,
        u.is_estimate
    from units as u
)

select
    country,
    ref_year,
    region_code,
    group_code,
    size_band,
    count(*) as units,
    sum(employees) as employees,
    -- The two largest contributions, for the disclosure rules of the cells built from these rows.
    max(employees, 2) as top_two_employees,
    bool_or(is_estimate) as is_estimate
from banded
group by country, ref_year, region_code, group_code, size_band
