with source as (
    select * from {{ source('reference', 'rule_parameters') }}
),

renamed as (
    select
        rule_set,
        rule_set_version,
        parameter,
        cast(value as double) as value,
        unit,
        status,
        source
    from source
)

select * from renamed
