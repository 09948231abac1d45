with source as (
    select * from {{ source('landing', 'region_industry') }}
),

renamed as (
    select
        country,
        cast(ref_year as integer) as ref_year,
        region_type,
        region_code,
        industry_system,
        industry_code,
        cast(establishments as bigint) as establishments,
        cast(employees as bigint) as employees,
        cast(payroll as double) as payroll,
        catalogue_entry,
        source_file_id,
        is_synthetic
    from source
)

select * from renamed
