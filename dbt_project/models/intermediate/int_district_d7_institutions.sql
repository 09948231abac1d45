-- Typology D7, institutions (METHOD.md 2.1), one row per district and year where institutions are loaded for
-- its country and year: the associations, service centres, cluster organisations (labelled ones too) and
-- international networks serving the district's region, its main industry or all industries.
with districts as (
    select * from {{ ref('int_districts') }}
),

regions as (
    select * from {{ ref('int_area_regions') }}
),

institutions as (
    select i.*, coalesce(r.region_code, i.area_code) as region_code
    from {{ ref('stg_landing__institutions') }} as i
    left join regions as r on r.country = i.country and r.area_code = i.area_code
),

institutions_loaded as (
    select distinct country, ref_year from institutions
),

district_institutions as (
    select
        d.district_id,
        d.ref_year,
        count(i.institution_id) filter (where i.kind = 'association') as associations,
        count(i.institution_id) filter (where i.kind = 'service_centre') as service_centres,
        count(i.institution_id) filter (where i.kind = 'cluster_organisation') as cluster_organisations,
        count(i.institution_id) filter (where i.kind = 'cluster_organisation' and i.is_labelled)
            as labelled_cluster_organisations,
        count(i.institution_id) filter (where i.kind = 'international_network') as international_networks
    from districts as d
    inner join institutions_loaded as l on l.country = d.country and l.ref_year = d.ref_year
    left join institutions as i
        on i.country = d.country and i.ref_year = d.ref_year and i.region_code = d.area_code
        and (i.industry_code is null
             or (coalesce(i.industry_system, d.industry_system) = d.industry_system
                 and starts_with(d.main_industry_code, i.industry_code)))
    group by d.district_id, d.ref_year
)

select * from district_institutions
