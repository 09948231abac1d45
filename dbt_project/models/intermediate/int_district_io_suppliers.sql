-- The industries supplying each district's main industry (typology D2 a, partner matching M5): the
-- supplier codes (or code prefixes) with an input-output coefficient >= typology_d2_supplier_min_coefficient
-- in the latest table of the district's country and classification not after its reference year, for the
-- most detailed user code containing the main industry; the main industry's own code excluded.
with districts as (
    select * from {{ ref('int_districts') }}
),

rules as (
    select * from {{ ref('int_rules') }}
),

io_years as (
    select d.district_id, d.ref_year, max(io.ref_year) as io_year
    from districts as d
    inner join {{ ref('stg_landing__input_output') }} as io
        on io.country = d.country and io.industry_system = d.industry_system and io.ref_year <= d.ref_year
    group by d.district_id, d.ref_year
),

io_user as (
    -- The most detailed user code of the table that contains the main industry.
    select y.district_id, y.ref_year, y.io_year, io.user_code,
           row_number() over (partition by y.district_id, y.ref_year order by length(io.user_code) desc) as rank
    from io_years as y
    inner join districts as d on d.district_id = y.district_id and d.ref_year = y.ref_year
    inner join {{ ref('stg_landing__input_output') }} as io
        on io.country = d.country and io.industry_system = d.industry_system and io.ref_year = y.io_year
        and starts_with(d.main_industry_code, io.user_code)
),

suppliers as (
    select distinct u.district_id, u.ref_year, io.supplier_code, io.coefficient
    from io_user as u
    inner join districts as d on d.district_id = u.district_id and d.ref_year = u.ref_year
    inner join {{ ref('stg_landing__input_output') }} as io
        on io.country = d.country and io.industry_system = d.industry_system and io.ref_year = u.io_year
        and io.user_code = u.user_code
    cross join rules as r
    where u.rank = 1 and io.supplier_code <> io.user_code
      and io.coefficient >= r.typology_d2_supplier_min_coefficient
)

select * from suppliers
