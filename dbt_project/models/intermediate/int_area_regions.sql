-- The region each area belongs to for district identification: its labour-market area when the
-- country's setting says so and a map gives one (seeds/country_settings.csv), the area otherwise.
with areas as (
    select * from {{ ref('int_areas') }}
),

settings as (
    select * from {{ ref('country_settings') }}
)

select
    a.country,
    a.area_code,
    case when s.district_geography = 'lma' and a.lma_code is not null then a.lma_code else a.area_code end
        as region_code,
    case when s.district_geography = 'lma' and a.lma_code is not null then 'lma' else 'area' end
        as region_level,
    case when s.district_geography = 'lma' and a.lma_code is not null then a.lma_name else a.area_name end
        as region_name
from areas as a
left join settings as s on a.country = s.country
