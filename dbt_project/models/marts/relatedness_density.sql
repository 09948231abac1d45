-- Published as computed in intermediate.int_relatedness_density (marts only select what is published; models read
-- the intermediate layer).
select * from {{ ref('int_relatedness_density') }}
