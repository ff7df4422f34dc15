(module
  (type (;0;) (func))
  (func (;0;) (type 0)
    (local i32 i32 i64 i64 i64 f32 f64 i32 i32)
    block ;; label = @1
      block ;; label = @2
        local.get 2
        i32.wrap_i64
        br_table 0 (;@2;) 1 (;@1;) 0 (;@2;)
      end
      local.get 1
      if ;; label = @2
        f32.const 0x1.c28p+6 (;=112.625;)
        local.get 6
        local.get 0
        f64.const 0x1.ecp+6 (;=123;)
        drop
        drop
        drop
        drop
        local.get 2
        local.get 2
        i64.rotl
        drop
      end
      f32.const 0x0p+0 (;=0;)
      local.set 5
    end
    local.get 0
    i64.extend_i32_s
    drop
    block ;; label = @1
      i32.const 0
      local.get 0
      drop
      drop
      i32.const 0
      drop
      local.get 0
      i32.const 288
      i32.lt_u
      if ;; label = @2
        block ;; label = @3
          i32.const 3
          local.set 8
          loop ;; label = @4
            local.get 7
            local.get 0
            i32x4.splat
            unreachable
          end
          unreachable
        end
        unreachable
      else
        unreachable
      end
      unreachable
    end
    unreachable
  )
)
