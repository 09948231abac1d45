with source as (
    select * from {{ source('landing', 'establishments') }}
),

renamed as (
    select
        country,
        cast(ref_year as integer) as ref_year,
        unit_id,
        area_code,
        industry_system,
        industry_code,
        cast(employees as bigint) as employees,
        employees_band,
        enterprise_id,
        cast(turnover as double) as turnover,
        cast(export_turnover as double) as export_turnover,
        cast(founded_year as integer) as founded_year,
        catalogue_entry,
        is_synthetic
    from source
)

select * from renamed
