-- One row per district of the latest year of its country, with what partner matching compares: its bloc
-- (seeds/country_blocs.csv), main industry in the common language (the ISIC Rev.4 division carrying most
-- of the main industry's weight, and its ISIC class where the classification links at class level), ISTAT
-- group, class and life-cycle stage, and the LQ of the main industry.
with districts as (
    select * from {{ ref('int_districts') }}
),

latest as (
    select country, max(ref_year) as ref_year from districts group by country
),

main_division as (
    select * from {{ ref('int_district_main_division') }}
)

select
    d.district_id,
    d.ref_year,
    d.country,
    coalesce(b.bloc, 'OTHER') as bloc,
    d.area_code as region_code,
    d.area_name,
    d.district_name,
    d.industry_system,
    d.main_industry_code,
    m.isic4_division as main_isic4_division,
    m.isic4_class as main_isic4_class,
    g.group_code as main_group_code,
    grp.group_name_en as main_group_name_en,
    grp.group_name_it as main_group_name_it,
    grp.group_name_es as main_group_name_es,
    t.typology_class,
    -- The status the typology inherits from confidential values (marts.district_typology.conf_status).
    t.conf_status as typology_conf_status,
    c.lifecycle_stage,
    d.lq,
    d.is_synthetic
from districts as d
inner join latest as l on l.country = d.country and l.ref_year = d.ref_year
left join {{ ref('country_blocs') }} as b on b.country = d.country
left join main_division as m on m.district_id = d.district_id and m.ref_year = d.ref_year
left join {{ ref('int_industry_code_groups') }} as g
    on g.industry_system = d.industry_system and g.industry_code = d.main_industry_code
left join {{ ref('istat_manufacturing_groups') }} as grp on grp.group_code = g.group_code
left join {{ ref('int_district_typology') }} as t on t.district_id = d.district_id and t.ref_year = d.ref_year
left join {{ ref('int_district_lifecycle') }} as c on c.district_id = d.district_id and c.ref_year = d.ref_year
