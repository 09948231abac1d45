-- The region each area belongs to for district identification: its labour-market area when the
-- country's setting says so and a map gives one (seeds/country_settings.csv), the area otherwise;
-- for a labour-market area, the statistical office's own specialisation group of it where one is
-- loaded (ISTAT's SLL 2021 classification).
with areas as (
    select * from {{ ref('int_areas') }}
),

settings as (
    select * from {{ ref('country_settings') }}
),

placed as (
    select
        a.*,
        s.district_geography = 'lma' and a.lma_code is not null as on_lma
    from areas as a
    left join settings as s on a.country = s.country
)

select
    country,
    area_code,
    case when on_lma then lma_code else area_code end as region_code,
    case when on_lma then 'lma' else 'area' end as region_level,
    case when on_lma then lma_name else area_name end as region_name,
    case when on_lma then lma_specialisation_group end as region_specialisation_group,
    case when on_lma then lma_specialisation_group_name end as region_specialisation_group_name
from placed
